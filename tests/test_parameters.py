"""The parameter table agrees with the estimators, the optimizers and the docstrings."""

import inspect

import pytest

from skmlp import MLPClassifier, MLPRegressor
from skmlp._core.optimizers import SOLVERS
from skmlp._parameters import (
    PARAMETERS,
    parameter_constraints,
    parameters_of,
)

ESTIMATORS = {"classifier": MLPClassifier, "regressor": MLPRegressor}


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_init_agrees_with_the_table_names_order_and_defaults(kind):
    signature = inspect.signature(ESTIMATORS[kind]).parameters
    rows = parameters_of(kind)
    assert list(signature) == [row.name for row in rows]
    for row in rows:
        assert signature[row.name].default == row.default, row.name


def test_the_dask_estimators_inherit_the_signatures():
    dask = pytest.importorskip("skmlp.dask")
    for kind, cls in (("classifier", dask.MLPClassifier), ("regressor", dask.MLPRegressor)):
        assert list(cls().get_params()) == sorted(row.name for row in parameters_of(kind))


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_constraints_and_docstrings_come_from_the_table(kind):
    cls = ESTIMATORS[kind]
    assert cls._parameter_constraints == parameter_constraints(kind)
    for row in parameters_of(kind):
        assert row.entry() in cls.__doc__
    for name, constraint in parameter_constraints().items():  # the base: shared rows only
        assert all(kind in row.estimators for kind in ESTIMATORS
                   for row in PARAMETERS if row.name == name)
        assert constraint is next(row.constraint for row in PARAMETERS if row.name == name)


@pytest.mark.parametrize("solver", [name for name, row in SOLVERS.items() if row.stochastic])
def test_each_optimizer_takes_exactly_the_arguments_of_the_rows_its_solver_reads(solver):
    taken = {row.argument for row in PARAMETERS
             if row.argument is not None and solver in (row.solvers or ())}
    optional = {name for name, p in inspect.signature(SOLVERS[solver].optimizer).parameters
                .items() if p.default is not inspect.Parameter.empty}  # from the layout
    assert taken == set(SOLVERS[solver].optimizer.arguments()) - optional


def test_every_row_names_known_solvers_and_estimators():
    for row in PARAMETERS:
        assert set(row.solvers or ()) <= set(SOLVERS), row.name
        assert row.estimators and set(row.estimators) <= set(ESTIMATORS), row.name
        if row.argument is not None:
            assert row.solvers, row.name


def test_a_wrong_estimator_name_is_refused():
    with pytest.raises(ValueError, match="estimator must be one of"):
        parameters_of("ranker")
