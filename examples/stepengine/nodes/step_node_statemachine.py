"""A Framework0-style step node: a state machine INIT -> PROCESSING -> COMPLETE / ERROR.

Written the legacy way (the octo_step_engine_parameters API with the default
file names, relative to the step instance directory the engine runs in).
"""

# Written as Framework0 nodes are: a lower-case class named like its module, dict class attributes.
# ruff: noqa: N801, RUF012
from __future__ import annotations

from octo_step_engine_parameters import octo_step_engine_parameters

GROUP = "step_node_statemachine"


class step_node_statemachine:
    name = "step_node_statemachine"
    description = "INIT -> PROCESSING (3 batches) -> COMPLETE; ERROR after max_retries failures"
    step_node_params_dict_init = {
        GROUP: {"mode": "INIT", "batches": 3, "processed": 0, "retries": 0, "max_retries": 3}
    }
    step_node_results_dict_init = {
        "step_node_statemachine_results": {"step_results_key_last_status": "SUCCESS"}
    }

    def __init__(self, name, verbose_flag=False):
        self.name = name
        self.verbose_flag = verbose_flag
        self.p = octo_step_engine_parameters()
        self.d = self.p.get_default_param_dict()
        self.f = self.p.get_default_param_file_name()
        self.l = self.p.get_default_param_lock_file_name()

    def _mine(self):
        return self.p.read_json_dict(self.d, self.f, self.l)[GROUP]

    def _set(self, key, value):
        self.p.update_json_dict(self.d, self.f, self.l, GROUP, key, value)

    def step_entry(self):
        return 0

    def step_execute(self):
        mine = self._mine()
        mode = mine["mode"]
        if mode == "INIT":
            self._set("mode", "PROCESSING")
        elif mode == "PROCESSING":
            self.p.increment_json_dict(self.d, self.f, self.l, GROUP, "processed", True)
            if mine["processed"] + 1 >= mine["batches"]:
                self._set("mode", "COMPLETE")
        elif mode == "ERROR" or mine["retries"] >= mine["max_retries"]:
            self._set("mode", "ERROR")
            return 1
        # Legacy nodes count their own steps; the engine then does not count again.
        self.p.increment_json_dict(
            self.d, self.f, self.l, "global_parameters", "run_step_count", True
        )
        return 0

    def step_exit(self):
        return 0

    def step_advance(self):
        if self._mine()["mode"] == "COMPLETE":
            return "next_step"
        return "step_arrow_graph_list_key_step_node_statemachine"
