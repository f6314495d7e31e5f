from tests.run.helpers_run import ran_project, sample_inputs  # noqa: F401  (fixtures)
