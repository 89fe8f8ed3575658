from experiments.validation.run import main

main()
