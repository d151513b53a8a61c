#!/usr/bin/env python3
"""validate-schema.py SCHEMA JSONFILE: validates JSONFILE against an OCI
runtime-spec schema (whose $refs are relative files beside it). Exit 0 when
valid, 1 with the errors printed when not, 77 when jsonschema is missing."""
import json
import os
import sys
import warnings

try:
    import jsonschema
except ImportError:
    sys.exit(77)


def main():
    schema_path, doc_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    with open(doc_path) as f:
        doc = json.load(f)
    base = "file://" + os.path.dirname(os.path.abspath(schema_path)) + "/"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resolver = jsonschema.RefResolver(base_uri=base, referrer=schema)
        cls = jsonschema.validators.validator_for(schema)
        validator = cls(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        path = "/".join(str(p) for p in e.path)
        print(f"{doc_path}: {path or '(root)'}: {e.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
