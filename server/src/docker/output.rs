//! A container's output (a log, or a command run in it) as bosun's frames: which stream,
//! which bytes. The engine multiplexes stdout and stderr when there is no TTY.

use bollard::container::LogOutput;
use bytes::Bytes;
use futures::{Stream, StreamExt};

use super::error::EngineError;

/// One piece of output as the engine sent it (often one line, never split mid-frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Stdout(Bytes),
    Stderr(Bytes),
}

impl Frame {
    /// The engine's frame; stdin echoes carry nothing to show, and a TTY's console output
    /// is stdout.
    fn from_engine(frame: LogOutput) -> Option<Frame> {
        match frame {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                Some(Frame::Stdout(message))
            }
            LogOutput::StdErr { message } => Some(Frame::Stderr(message)),
            LogOutput::StdIn { .. } => None,
        }
    }
}

/// Frames of a live output stream, ended by the first error (the connection broke).
pub type Frames = std::pin::Pin<Box<dyn Stream<Item = Result<Frame, EngineError>> + Send>>;

/// The engine's stream as bosun's frames.
pub(super) fn frames<S>(stream: S) -> Frames
where
    S: Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send + 'static,
{
    stream
        .filter_map(|item| {
            futures::future::ready(match item {
                Ok(frame) => Frame::from_engine(frame).map(Ok),
                Err(e) => Some(Err(EngineError::from(e))),
            })
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streams_keep_their_names_and_errors_their_messages() {
        let engine = futures::stream::iter(vec![
            Ok(LogOutput::StdOut {
                message: "out".into(),
            }),
            Ok(LogOutput::StdIn {
                message: "typed".into(),
            }),
            Ok(LogOutput::Console {
                message: "tty".into(),
            }),
            Ok(LogOutput::StdErr {
                message: "err".into(),
            }),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 500,
                message: "broken pipe".into(),
            }),
        ]);
        let got: Vec<Result<Frame, EngineError>> = frames(engine).collect().await;
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().ok(), Some(&Frame::Stdout("out".into())));
        assert_eq!(got[1].as_ref().ok(), Some(&Frame::Stdout("tty".into())));
        assert_eq!(got[2].as_ref().ok(), Some(&Frame::Stderr("err".into())));
        assert_eq!(
            got[3].as_ref().err().map(EngineError::message),
            Some("broken pipe")
        );
    }
}
