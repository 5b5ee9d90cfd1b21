use shoebox_tests::{StatusCode, TestServer, fake_jpeg, stories};

stories!(same_bytes_uploaded_twice_is_one_asset_and_a_duplicate);

async fn same_bytes_uploaded_twice_is_one_asset_and_a_duplicate(s: &TestServer) {
    let token = s.admin().await;
    let (status, first) = s.upload(&token, "a.jpg", fake_jpeg("a")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "created");
    let (status, second) = s.upload(&token, "copy.jpg", fake_jpeg("a")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["status"], "duplicate");
    assert_eq!(second["id"], first["id"]);
    assert_eq!(s.stored_files().len(), 1, "{:?}", s.stored_files());
}
