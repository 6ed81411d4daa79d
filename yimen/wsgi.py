import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.settings")
application = get_wsgi_application()

if os.environ.get("YIMEN_PRELOAD_SEGMENTER", "1") == "1":
    from yimen.core.text import warm_up

    warm_up()
