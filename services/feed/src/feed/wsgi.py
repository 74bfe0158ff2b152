from feed import create_app

app = create_app()
