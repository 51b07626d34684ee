"""Validates release evidence with the formats' own libraries (tests/evidence.rs runs it).

    validate.py provenance FILE   in-toto Statement v1 and SLSA provenance v1, parsed with
                                  protobuf's strict JSON parser (unknown fields rejected)
    validate.py statement FILE    the in-toto Statement v1 envelope only (the VSA: the
                                  bindings type verifiedLevels as a string, the spec as a
                                  list, so the test checks the predicate itself)
    validate.py sbom FILE...      CycloneDX 1.6 JSON, cyclonedx-python-lib's strict schema
                                  validator; every purl parsed by packageurl-python, with
                                  the component's version

Prints "ok" and exits 0, or prints what is wrong and exits 1.
"""

import json
import sys

from google.protobuf import json_format


def statement(text):
    from in_toto_attestation.v1 import statement_pb2

    s = statement_pb2.Statement()
    json_format.Parse(text, s)  # strict: an unknown field is an error
    if s.type != "https://in-toto.io/Statement/v1":
        raise ValueError(f"_type is {s.type!r}")
    for sub in s.subject:
        if "sha256" not in sub.digest:
            raise ValueError(f"subject {sub.name!r} has no sha256")
    return s


def provenance(text):
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2

    s = statement(text)
    if s.predicate_type != "https://slsa.dev/provenance/v1":
        raise ValueError(f"predicateType is {s.predicate_type!r}")
    p = provenance_pb2.Provenance()
    json_format.ParseDict(json.loads(text)["predicate"], p)
    if not p.build_definition.build_type or not p.run_details.builder.id:
        raise ValueError("buildType or builder.id missing")


def sbom(text):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if errors:
        raise ValueError(str(errors))
    purls_agree(json.loads(text))


def purls_agree(bom):
    """Every purl parses (packageurl-python), its version is the component's, and no
    bom-ref is given twice."""
    from packageurl import PackageURL

    refs = set()
    components = [bom["metadata"]["component"]] + bom.get("components", [])
    for c in components:
        ref = c.get("bom-ref")
        if ref in refs:
            raise ValueError(f"bom-ref {ref!r} is given twice")
        refs.add(ref)
        if "purl" not in c:
            continue
        p = PackageURL.from_string(c["purl"])
        if p.version != c.get("version"):
            raise ValueError(
                f"{c['name']}: version {c.get('version')!r} but purl {c['purl']} has {p.version!r}"
            )


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    check = {"provenance": provenance, "statement": statement, "sbom": sbom}[kind]
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        try:
            check(text)
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            print(f"{f}: {type(e).__name__}: {e}")
            sys.exit(1)
    print("ok")


main()
