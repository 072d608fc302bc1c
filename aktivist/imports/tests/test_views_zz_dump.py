import pytest
from django.urls import reverse
from aktivist.imports.tests.test_views_upload import URLCONF, uploaded_batch, karin_csv
pytestmark = [pytest.mark.urls(URLCONF)]

def test_dump(client_for, personas, world):
    client = client_for(personas.district_a)
    content = ("Förnamn;Efternamn;Personnummer;E-post;Mobil\r\nÅsa;Öberg;19900101-0017;asa@example.org;701112233\r\n").encode("cp1252")
    batch = uploaded_batch(client, content)
    open("/tmp/mapping.html","w").write(client.get(reverse("imports:mapping", args=[batch.pk])).content.decode())
    print(batch.headers, batch.mapping, batch.dropped_columns)
    open("/tmp/upload.html","w").write(client.get(reverse("imports:upload")).content.decode())
