"""How fast clean_row is on typical Swedish rows: a measurement, not a test.

    .venv/bin/python -m aktivist.imports.tests.files_measure [ROWS]

Prints rows/s and µs per row once (and the same for reading a CSV with open_table); it
asserts nothing, timings depend on the machine.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time


def main(count: int = 200_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktivist.settings")
    import django

    django.setup()
    from aktivist.core.table_columns import guess_mapping
    from aktivist.core.tables import open_table
    from aktivist.imports.row_mapping import RowMapping
    from aktivist.imports.rows import RowError, clean_row

    rng = random.Random(1)
    headers = [
        "Förnamn",
        "Efternamn",
        "E-post",
        "Mobil",
        "Gatuadress",
        "Postnr",
        "Ort",
        "Kommun",
        "Födelseår",
        "Medlemsnummer",
        "Medlemsstatus",
        "Medlem sedan",
        "Taggar",
    ]
    formats = ["0{}-{} {} {}", "+46 {}{}{}{}", "0{}{}{}{}", "{}{}{}{}", "0046{}{}{}{}"]
    domains = ["gmail.com", "hotmail.com", "outlook.com", "telia.com", "example.se"]
    rows = []
    for i in range(count):
        national = "7" + rng.choice("02369") + f"{rng.randrange(10**7):07d}"
        phone = rng.choice(formats).format(national[:2], national[2:5], national[5:7], national[7:])
        member = rng.random() < 0.5
        rows.append(
            [
                rng.choice(["Anna", "Erik", "Maria", "Lars", "Åsa"]),
                rng.choice(["Svensson", "Andersson", "Öberg", "Nilsson"]),
                f"person.{i}@{rng.choice(domains)}",
                phone,
                f"Storgatan {rng.randrange(1, 99)}",
                f"{rng.randrange(100, 999)} {rng.randrange(10, 99)}",
                "Malmö",
                "Malmö",
                str(rng.randrange(1940, 2010)),
                str(100_000 + i) if member else "",
                "Medlem" if member else "",
                "2019-03-01" if member else "",
                "Sommar 2024" if rng.random() < 0.3 else "",
            ]
        )
    mapping = RowMapping.build(headers, guess_mapping(headers, rows[:20]))

    start, start_cpu = time.perf_counter(), time.process_time()
    refused = sum(
        isinstance(clean_row(row, line=i, mapping=mapping), RowError)
        for i, row in enumerate(rows, start=2)
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(
        f"clean_row: {count / cpu:,.0f} rows/s, {cpu / count * 1e6:.1f} µs CPU per row "
        f"({elapsed / count * 1e6:.1f} µs wall; {count:,} typical Swedish rows, "
        f"{refused} refused)"
    )

    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="cp1252", delete=False) as f:
        f.write(";".join(headers) + "\r\n")
        for row in rows:
            f.write(";".join(row) + "\r\n")
    try:
        start = time.perf_counter()
        table = open_table(f.name, "people.csv")
        read = sum(1 for _ in table.rows())
        elapsed = time.perf_counter() - start
        print(
            f"open_table + rows(): {read / elapsed:,.0f} rows/s "
            f"({os.path.getsize(f.name) / 2**20:.0f} MiB, {table.encoding}, "
            f"delimiter {table.delimiter!r})"
        )
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
