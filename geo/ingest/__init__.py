"""Files into events: readers, column mappings, row validation, the importer and the upload guard.

Every row read ends stored, counted as a duplicate, or quarantined with a reason.
"""

from geo.ingest._times import parse_times
from geo.ingest.importer import check_importable, import_file, preview_file
from geo.ingest.mapping import Mapping, mapping_from_toml, mapping_to_toml, resolve
from geo.ingest.presets import NATIVE, PRESETS, choose_mapping
from geo.ingest.readers import SUPPORTED
from geo.ingest.upload_guard import UploadLimits, check_raster_header, guard_upload
from geo.ingest.validate import REASONS, validate_chunk

__all__ = [
    "Mapping",
    "NATIVE",
    "PRESETS",
    "REASONS",
    "SUPPORTED",
    "UploadLimits",
    "check_importable",
    "check_raster_header",
    "choose_mapping",
    "guard_upload",
    "import_file",
    "mapping_from_toml",
    "mapping_to_toml",
    "parse_times",
    "preview_file",
    "resolve",
    "validate_chunk",
]
