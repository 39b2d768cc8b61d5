"""How bionty's models and settings reach bionty's services at call time: named hooks, bound in
`BiontyConfig.ready()`.

The pattern of core (`lamin_core.hooks`, docs/architecture.md, "Layers"): the services (`_records`,
`_from_source`, `_curate`, `public`) import the models at the top, and a model method is one call of its
hook, so loading the models loads no service. A hook called before Django is set up connects the current
instance first, which runs `ready()`.
"""

from __future__ import annotations

from typing import Any

from ..hooks import Hook

# _records: uids, the organism of a record, parent ids
source_uid: Hook[[dict[str, Any]], str] = Hook("bionty.source_uid")
prepare_kwargs: Hook[[type, dict[str, Any]], dict[str, Any]] = Hook("bionty.prepare_kwargs")
check_parent_ids: Hook[[type, Any], list[str]] = Hook("bionty.check_parent_ids")
organism_record: Hook[..., Any] = Hook("bionty.organism_record")  # (value, model=None), for bt.settings

# _from_source: records from the public sources
save_ancestors: Hook[[Any, list[str]], None] = Hook("bionty.save_ancestors")
from_source: Hook[..., Any] = Hook("bionty.from_source")  # (model, field_value, organism=, source=, mute=)
from_values: Hook[..., Any] = Hook("bionty.from_values")  # (model, values, field, create=, organism=, ...)
import_source: Hook[..., int] = Hook("bionty.import_source")  # (model, source=, organism=)

# _curate: what validate/inspect/standardize add for ontologies
curation_scope: Hook[[type, Any, str, Any], Any] = Hook("bionty.curation_scope")
inspect_public: Hook[[type, list, str, Any, Any, bool], tuple] = Hook("bionty.inspect_public")
standardize_public: Hook[[type, list, str, str, bool, Any, Any], dict] = Hook("bionty.standardize_public")

# public: the bundled public source of a registry
public_ontology: Hook[..., Any] = Hook("bionty.public_ontology")  # (model, organism=, source=)
