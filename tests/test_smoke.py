def test_home_page_renders(client, alice_channel):
    response = client.get("/")
    assert response.status_code == 200
    assert "Alice&#x27;s Python Lab" in response.content.decode()
