"""Statistics on the event index: Getis-Ord Gi* hot spots, emerging hot spots, "unusual now" alerts.

Pure functions of the index and the parameters; no I/O.
"""

from geo.analysis.alerts import UNUSUAL_WORDS, AlertRule, unusual_cells, unusual_word
from geo.analysis.emerging import (
    CATEGORIES,
    EMERGING_PATTERNS,
    NO_PATTERN,
    EmergingParams,
    categories_text,
    category_matches,
    cell_z_series,
    classify_emerging,
    emerging_areas,
    emerging_hot_spots,
    gi_star_steps,
    mann_kendall,
    space_time_cube,
)
from geo.analysis.hotspots import (
    classify,
    gi_star,
    hot_spot_classes,
    neighbour_matrix,
    neighbourhood_counts,
    study_area,
)

__all__ = [
    "AlertRule",
    "CATEGORIES",
    "EMERGING_PATTERNS",
    "EmergingParams",
    "categories_text",
    "NO_PATTERN",
    "UNUSUAL_WORDS",
    "category_matches",
    "cell_z_series",
    "classify",
    "classify_emerging",
    "emerging_areas",
    "emerging_hot_spots",
    "gi_star",
    "gi_star_steps",
    "hot_spot_classes",
    "mann_kendall",
    "neighbour_matrix",
    "neighbourhood_counts",
    "space_time_cube",
    "study_area",
    "unusual_cells",
    "unusual_word",
]
