"""The routine schedule (定期接種): the programmes as data (series.json), the engine that says
whether a dose is a valid routine dose and what is due next, and the explanations people read."""
