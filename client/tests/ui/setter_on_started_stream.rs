// A started stream has no setter: the builder (or the `paginate()`,
// `batch()` or export configuration) takes them, then `items()` or
// `send_all()` starts it.
use falcon_exposure::Client;

fn main() {
    let client = Client::builder().build().unwrap();
    let _ = client.export_assets("").items().concurrency(4);
    let _ = client.query_assets_v2().items().page_size(100);
    let _ = client.get_assets().ids(["a"]).items().keep_order(true);
    let _ = client.update_assets().ids(["a"]).send_all().concurrency(1);
    // Too late to resume: the stream has started.
    let point = client.query_assets_v2().items().resume_point();
    let _ = client.query_assets_v2().items().resume_from(&point);
}
