"""Rasa plugins: channels and NLU components. Rasa imports them with the model and the channels,
and with them the wrapper that makes a failed custom action said (addons/action_failures.py)
the redaction of emails and tokens from the Rasa server's logs (shop/log_redaction.py), and what
takes Rasa's per-turn overheads out (issue 12): the action server's answers checked by a
validator built once (addons/action_response_schema.py), its calls over kept-alive connections
(addons/endpoint_sessions.py) and only when needed (addons/slot_mapping_validation.py), each
graph run's part of the graph worked out once (addons/graph_schema_cache.py), a tracker's states
once per prediction (addons/past_states_cache.py), an event's class found by a lookup
(addons/event_type_cache.py), and conversations read and written by the SQL tracker store with
less work (addons/sql_tracker_store.py); and a tracker store that cannot be reached fails the turn
instead of Rasa answering from an empty conversation in memory (addons/tracker_store_failures.py)."""

from addons.action_failures import install as _say_action_failures
from addons.action_response_schema import install as _validate_answers_fast
from addons.endpoint_sessions import install as _keep_connections
from addons.event_type_cache import install as _look_event_types_up
from addons.graph_schema_cache import install as _plan_graph_runs_once
from addons.past_states_cache import install as _share_past_states
from addons.slot_mapping_validation import install as _validate_slot_mappings_when_needed
from addons.sql_tracker_store import install as _lighter_tracker_store
from addons.tracker_store_failures import install as _fail_turns_without_the_tracker_store
from shop.log_redaction import install as _redact_logs

_say_action_failures()
_validate_answers_fast()
_keep_connections()
_look_event_types_up()
_plan_graph_runs_once()
_validate_slot_mappings_when_needed()
_share_past_states()
_lighter_tracker_store()
_fail_turns_without_the_tracker_store()
_redact_logs()
