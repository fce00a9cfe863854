"""django-oauth-toolkit's "Getting started" site: the comparison server of ``bench/compare.py``.

The tutorial's API (users and groups through Django REST framework, with DOT's OAuth2
authentication and scope permissions), written here from the tutorial's description, plus one bare
Django view. It runs from its own virtualenv, never the project's (bench/compare.py makes it).
"""
