"""The last node: records a result and ends the run (step_advance returns None)."""

# Written as Framework0 nodes are: a lower-case class named like its module, dict class attributes.
# ruff: noqa: N801, RUF012
from __future__ import annotations

from f0_params import ParamsFile


class step_node_report:
    step_node_results_dict_init = {"step_node_report_results": {"step_results_key_last_status": ""}}

    def __init__(self, name, verbose_flag=False):
        self.name = name
        self.params = ParamsFile()  # the default file of the step instance directory

    def step_execute(self):
        processed = self.params.get("step_node_statemachine", "processed")
        self.params.update_group(
            "step_node_report_results",
            {"step_results_key_last_status": "SUCCESS", "processed": processed},
        )
        return 0

    def step_advance(self):
        return None
