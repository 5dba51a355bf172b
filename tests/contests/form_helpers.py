"""Sending the contest set-up form as a browser without JavaScript does: read the inputs the
page shows (disabled ones are not sent, unticked boxes are not sent), change some, press one
button."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select, self._options, self._textarea = None, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        disabled = "disabled" in a
        if tag == "input" and a.get("name") and not disabled:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = None if disabled or not a.get("name") else a["name"]
            self._options = []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name") and not disabled:
            self._textarea = (a["name"], [])

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None


def fields_of(html: str, form_id: str = "setup-form") -> MultiDict:
    """What the browser would send for the form ``form_id`` of the page ``html``."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return MultiDict(reader.fields)


def press(client, url: str, html: str, action: str, changes: dict | None = None, **kwargs):
    """Send the form of ``html`` to ``url`` with ``changes`` (a value, a list for boxes, or None
    to leave the input out) by the button ``action``."""
    data = fields_of(html)
    for name, value in (changes or {}).items():
        data.poplist(name)
        if isinstance(value, list):
            for item in value:
                data.add(name, item)
        elif value is not None:
            data.add(name, value)
    data["action"] = action
    return client.post(url, data=data, **kwargs)


def value_of(html: str, name: str) -> str | None:
    """The value an input shows."""
    return fields_of(html).get(name)


def near(html: str, name: str, width: int = 1500) -> str:
    """The page's HTML from the input ``name`` on (to find its error beside it)."""
    match = re.search(rf'name="{re.escape(name)}"', html)
    assert match, f"no input {name}"
    return html[match.start():match.start() + width]
