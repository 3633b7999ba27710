"""Citizen participation for councils: web, SMS, phone and paper in one moderation queue."""

# Before any module builds its routes: {id:int} in a path matches only ids the database
# can hold, so a 20-digit id is a 404 and never reaches a query (participation/web/convertors).
from participation.web.convertors import register as _register_convertors

_register_convertors()
