"""The Vietnamese text layer, below everything else: normalisation, accent folding and the
teencode / abbreviation map. It imports nothing from the project."""
