"""The knowledge base: materials (the methodical piggy bank), auto-graded tests, smart textbooks."""
