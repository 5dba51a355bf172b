from conftest import post_form


def test_home(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Hội thi" in page.get_data(as_text=True)


def test_register_logout_login(client, make_unit, auth):
    unit = make_unit("ROOT")
    r = post_form(client, "/dang-ky", {
        "full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "phone": "0912 345 678",
        "cccd": "001095000123", "email": "", "unit_id": str(unit.id), "unit_query": unit.name,
        "category": "doan_vien", "password": "matkhau123", "password2": "matkhau123"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert auth.login("+84912345678", "matkhau123").status_code == 302
    assert "Trần Thị Bích" in client.get("/tai-khoan").get_data(as_text=True)
