//! One accepted connection: hyper's HTTP/1 connection over a socket that
//! reports its reads to the [`Tracker`], request and response bodies that
//! report their ends, and the task that closes the connection when its
//! deadline passes or finishes it gracefully at shutdown.

use super::ConnLimits;
use super::caps::Slot;
use super::tracker::Tracker;
use crate::app::App;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tower_service::Service;

/// An accepted connection and what it needs to serve requests.
pub(super) struct Connection {
    pub(super) peer: SocketAddr,
    pub(super) app: App,
    pub(super) limits: ConnLimits,
    pub(super) grace: watch::Receiver<bool>,
    pub(super) _slot: Slot,
}

impl Connection {
    pub(super) async fn run(mut self, stream: TcpStream) {
        // Answers are small and written whole: do not let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let tracker = Arc::new(Tracker::new(self.limits));
        let io = TokioIo::new(TrackedIo {
            io: stream,
            tracker: tracker.clone(),
        });
        let peer = self.peer;
        let app = self.app.clone();
        let t = tracker.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let has_body = !http_body::Body::is_end_stream(req.body());
            t.head_done(has_body);
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(ConnectInfo(peer));
            let body = Body::new(RequestBody {
                inner: body,
                tracker: t.clone(),
                done: false,
            });
            let fut = app
                .clone()
                .call(axum::http::Request::from_parts(parts, body));
            let t = t.clone();
            async move {
                let resp = match fut.await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(resp.map(|inner| ResponseBody {
                    inner,
                    tracker: t,
                    done: false,
                }))
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        // Our own deadlines replace hyper's header-read timer, which would
        // also run while a kept-alive connection idles.
        builder.header_read_timeout(None).keep_alive(true);
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut graceful = false;
        loop {
            let deadline = tracker.deadline();
            let sleep = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                done = conn.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = self.grace.changed(), if !graceful => {
                    // Finish the request in flight, close when idle.
                    conn.as_mut().graceful_shutdown();
                    graceful = true;
                }
                () = tracker.changed.notified() => {}
                () = sleep => {
                    if let Some(why) = tracker.expired(Instant::now()) {
                        tracing::debug!(%peer, "closing connection: {why}");
                        return;
                    }
                }
            }
        }
    }
}

/// The socket, telling the tracker when bytes arrive.
struct TrackedIo {
    io: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.tracker.bytes_read(buf.filled().len() - before);
        }
        r
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// A request body that tells the tracker when it ends.
struct RequestBody {
    inner: Incoming,
    tracker: Arc<Tracker>,
    done: bool,
}

impl RequestBody {
    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.tracker.body_done();
        }
    }
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) || this.inner.is_end_stream()
        {
            this.finish();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A response body that tells the tracker when it has been handed over.
struct ResponseBody {
    inner: Body,
    tracker: Arc<Tracker>,
    done: bool,
}

impl ResponseBody {
    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.tracker.response_done();
        }
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            this.finish();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        self.finish();
    }
}
