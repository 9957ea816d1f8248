//! Change notifications between servers: a dedicated connection LISTENs on the store's channel
//! and forwards each committed data version; when that connection drops it reconnects with
//! back-off and sends the current data version, so the receiver catches up on what it missed.

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, NoTls};
use wangge_store::Result;

use crate::connect::{first_backoff, next_backoff, pg_error, quote_ident};
use crate::{queries, rows};

/// How many versions may wait for a slow receiver before the listener waits too.
const BUFFER: usize = 256;

/// What a subscription needs to (re)connect on its own, without the store.
#[derive(Debug, Clone)]
pub(crate) struct Listener {
    /// Connection settings, with the store's search path.
    pub(crate) config: tokio_postgres::Config,
    /// The notification channel.
    pub(crate) channel: String,
    /// The URL with the password hidden, for logs and errors.
    pub(crate) location: String,
}

/// A live listening connection: the client (dropping it closes the connection) and the versions
/// its notifications carry. The receiver ends when the connection does.
struct Listening {
    client: Client,
    versions: mpsc::UnboundedReceiver<u64>,
}

impl Listener {
    /// Connects and listens before returning, so a change committed after `subscribe` returns is
    /// always delivered; then forwards versions in the background until the receiver is dropped.
    pub(crate) async fn subscribe(self) -> Result<mpsc::Receiver<u64>> {
        let listening = self.listen().await?;
        let (sender, receiver) = mpsc::channel(BUFFER);
        tokio::spawn(self.run(listening, sender));
        Ok(receiver)
    }

    /// Opens a connection, starts a task that drives it and picks out the notifications on our
    /// channel, and issues `LISTEN`.
    async fn listen(&self) -> Result<Listening> {
        let location = &self.location;
        let (client, mut connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(pg_error(location, "opening the listening connection"))?;
        let (sender, versions) = mpsc::unbounded_channel();
        let channel = self.channel.clone();
        let task_location = location.clone();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(note)) if note.channel() == channel => {
                        match note.payload().parse::<u64>() {
                            Ok(version) => {
                                if sender.send(version).is_err() {
                                    return;
                                }
                            }
                            Err(_) => tracing::warn!(
                                url = task_location,
                                payload = note.payload(),
                                "ignoring a change notification that is not a data version"
                            ),
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(url = task_location, %error, "the listening connection failed");
                        return;
                    }
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN {}", quote_ident(&self.channel)))
            .await
            .map_err(pg_error(location, "listening for changes"))?;
        Ok(Listening { client, versions })
    }

    /// The data version, read on the listening connection after `LISTEN`, so that every change
    /// is either counted in it or notified after it.
    async fn current_version(&self, client: &Client) -> Result<u64> {
        let rows = client
            .query(queries::META_GET, &[&"data_version"])
            .await
            .map_err(pg_error(&self.location, "reading the data version"))?;
        let text = rows
            .first()
            .map(|r| r.try_get::<_, String>(0))
            .transpose()
            .map_err(pg_error(&self.location, "reading the data version"))?;
        rows::parse_version(&self.location, text)
    }

    /// Forwards versions until the receiver is dropped, reconnecting whenever the connection
    /// drops.
    async fn run(self, mut listening: Listening, out: mpsc::Sender<u64>) {
        loop {
            tokio::select! {
                () = out.closed() => return,
                version = listening.versions.recv() => match version {
                    Some(version) => {
                        if out.send(version).await.is_err() {
                            return;
                        }
                    }
                    None => match self.reconnect(&out).await {
                        Some(next) => listening = next,
                        None => return,
                    },
                },
            }
        }
    }

    /// Reconnects with exponential back-off, for as long as someone is listening, and sends the
    /// current data version once listening again. `None` when the receiver is gone.
    async fn reconnect(&self, out: &mpsc::Sender<u64>) -> Option<Listening> {
        let mut delay = first_backoff();
        let mut attempt = 0u32;
        loop {
            tokio::select! {
                () = out.closed() => return None,
                () = tokio::time::sleep(delay) => {}
            }
            attempt += 1;
            let outcome = match self.listen().await {
                Ok(listening) => match self.current_version(&listening.client).await {
                    Ok(version) => Ok((listening, version)),
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            };
            match outcome {
                Ok((listening, version)) => {
                    tracing::info!(
                        url = self.location,
                        attempt,
                        version,
                        "listening for changes again"
                    );
                    return out.send(version).await.ok().map(|()| listening);
                }
                Err(error) => tracing::warn!(
                    url = self.location,
                    attempt,
                    retry_in_ms = next_backoff(delay).as_millis() as u64,
                    %error,
                    "cannot listen for changes yet; retrying"
                ),
            }
            delay = next_backoff(delay);
        }
    }
}
