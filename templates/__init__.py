"""Jinja templates of the generated projects (shipped in the wheel as hwq._templates)."""
