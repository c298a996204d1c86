"""veracity's testing helpers as pytest fixtures: scripted_llm, veracity_story, ..."""

pytest_plugins = ["veracity.testing"]
