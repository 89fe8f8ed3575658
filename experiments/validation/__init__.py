"""Validation of the two books: fit on part of the documents' figures, predict the rest.

    python -m experiments.validation            # about 10 minutes on 2 cores
    python -m experiments.validation --quick    # small budgets: checks the code, not the books

For each book, ``halfstep calibrate`` fits the parameters to some of the figures only; the
fitted scenario then predicts figures it was not fitted to, on fresh replications (streams
independent of the fit's), each with a 95% t interval over replications, against the
documented value (SEEDS.md, seed 000).

- **GP baseline**: fitted to GP trips, average fare and amount (and the assumed 60% share
  under the service table), with the trip dispersion at its prior assumption (k = 1, the
  shipped baseline fits it to the single-trip rate); predicts the single-trip rate over
  273 days.
- **Whole book** (``experiments/books/shenzhen_segmented.toml``): fitted to trips, average
  fare and the 7.69% share, with each tier's dispersion as ``halfstep segment`` estimated
  it from the account table; predicts the single-trip rate over 273 days, the five fare
  buckets' shares of trips, the GP clients' and the enterprise clients' average fares.
- The frequent-flyer members' share of spend (76.95%) is not in the model (the simulation
  has no membership) and is reported as such.

Writes ``results/numbers.json`` and ``results/report.md``.
"""
