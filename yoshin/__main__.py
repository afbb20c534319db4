from yoshin.cli import app

app()
