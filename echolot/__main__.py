from echolot.cli import app

app(prog_name="echolot")
