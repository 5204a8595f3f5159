"""``orchestrator.enhanced_recipe_parser``: Framework0's parser over f0's loader and validator.

Command line: ``python -m orchestrator.enhanced_recipe_parser validate FILE``
(exit 0 valid, 1 errors, 2 missing or unparseable file).
"""

from __future__ import annotations

from f0_compat.recipes import (
    EnhancedRecipeParser,
    ParsedRecipe,
    RecipeFormat,
    RecipeMetadata,
    RecipeValidator,
    StepInfo,
    ValidationMessage,
    ValidationSeverity,
    main,
    parse_recipe_file,
    validate_recipe_data,
)

__all__ = [
    "EnhancedRecipeParser",
    "ParsedRecipe",
    "RecipeFormat",
    "RecipeMetadata",
    "RecipeValidator",
    "StepInfo",
    "ValidationMessage",
    "ValidationSeverity",
    "main",
    "parse_recipe_file",
    "validate_recipe_data",
]

if __name__ == "__main__":
    raise SystemExit(main())
