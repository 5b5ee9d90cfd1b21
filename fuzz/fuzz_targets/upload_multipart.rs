//! The upload route's body: multipart/form-data through axum's extractor (multer), every
//! field's headers read and its bytes streamed, as `POST /assets` does. The first byte is
//! the boundary's length, the boundary follows, then the body.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&len, rest)) = data.split_first() else {
        return;
    };
    let (boundary, body) = rest.split_at(usize::from(len % 72).min(rest.len()));
    let content_type = format!(
        "multipart/form-data; boundary={}",
        String::from_utf8_lossy(boundary)
    );
    let Ok(request) = Request::builder()
        .method("POST")
        .uri("/api/assets")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    runtime().block_on(async move {
        let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
            return;
        };
        while let Ok(Some(mut field)) = multipart.next_field().await {
            let _ = (field.name(), field.file_name(), field.content_type());
            while let Ok(Some(_chunk)) = field.chunk().await {}
        }
    });
});
