from siaga.cli import run

run()
