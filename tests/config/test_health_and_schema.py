from django.urls import reverse


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_schema_lists_the_tenant_endpoints(client, db):
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/dealerships/{dealership_slug}/closures/" in paths
    assert "/api/v1/dealerships/{dealership_slug}/opening-hours/" in paths


def test_api_docs_page_is_served_without_a_cdn(client, db):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    assert "cdn" not in response.content.decode().lower()


def test_api_requires_login(client, milano):
    response = client.get(reverse("api_closure_list", kwargs={"dealership_slug": milano.slug}))
    assert response.status_code == 403
    assert response.json()["detail"]
