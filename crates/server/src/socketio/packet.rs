//! Engine.IO v4 and socket.io v5 packets as they travel in websocket text frames.
//!
//! An Engine.IO packet is one type digit and its data (`0` open, `1` close, `2` ping,
//! `3` pong, `4` message, `5` upgrade, `6` noop); a message carries one socket.io packet,
//! itself a type digit (`0` connect, `1` disconnect, `2` event, `4` connect error, …), an
//! optional `/namespace,` and JSON. So an event is `42["name",…args]`.

use std::time::Duration;

use serde_json::{Value, json};

/// The only namespace Immich's server has.
pub const MAIN_NAMESPACE: &str = "/";
/// Engine.IO ping, sent by the server; the client answers [`Incoming::Pong`].
pub const PING: &str = "2";
/// Engine.IO pong, the answer to a client's ping.
pub const PONG: &str = "3";
/// socket.io disconnect of the main namespace: the server ends the session.
pub const DISCONNECT: &str = "41";

/// What the server tells a client in its first packet.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub sid: String,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub max_payload: usize,
}

/// Engine.IO open: the session id, no upgrades (the client is on the websocket already)
/// and the heartbeat it must keep.
pub fn open(handshake: &Handshake) -> String {
    let data = json!({
        "sid": handshake.sid,
        "upgrades": [],
        "pingInterval": handshake.ping_interval.as_millis() as u64,
        "pingTimeout": handshake.ping_timeout.as_millis() as u64,
        "maxPayload": handshake.max_payload,
    });
    format!("0{data}")
}

/// socket.io connect accepted on the main namespace, with the socket's id.
pub fn connected(socket_id: &str) -> String {
    format!("40{}", json!({ "sid": socket_id }))
}

/// socket.io connect refused on `namespace` (the client's `connect_error`).
pub fn connect_error(namespace: &str, message: &str) -> String {
    let data = json!({ "message": message });
    if namespace == MAIN_NAMESPACE {
        format!("44{data}")
    } else {
        format!("44{namespace},{data}")
    }
}

/// socket.io event on the main namespace: `name` with `args` as the handler's arguments.
pub fn event(name: &str, args: &[Value]) -> String {
    let mut array = Vec::with_capacity(args.len() + 1);
    array.push(Value::String(name.to_string()));
    array.extend_from_slice(args);
    format!("42{}", Value::Array(array))
}

/// A text frame from the client, as far as this server cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// Engine.IO ping (older clients send them); answered with [`PONG`].
    Ping,
    /// Engine.IO pong: the client is alive.
    Pong,
    /// Engine.IO close.
    Close,
    /// socket.io connect to a namespace.
    Connect { namespace: String },
    /// socket.io disconnect: the client leaves.
    Disconnect,
    /// Anything else (events from the client, acks, noops): Immich's clients send none this
    /// server answers.
    Ignored,
    /// Not a packet of these protocols.
    Malformed,
}

/// Reads one text frame.
pub fn parse(frame: &str) -> Incoming {
    let mut chars = frame.chars();
    match chars.next() {
        Some('1') => Incoming::Close,
        Some('2') => Incoming::Ping,
        Some('3') => Incoming::Pong,
        Some('4') => parse_socket_io(chars.as_str()),
        Some('5' | '6') => Incoming::Ignored,
        _ => Incoming::Malformed,
    }
}

fn parse_socket_io(packet: &str) -> Incoming {
    let mut chars = packet.chars();
    let kind = chars.next();
    let rest = chars.as_str();
    // `/admin,{…}` names a namespace; without it the packet is for the main one.
    let namespace = match rest.strip_prefix('/') {
        Some(named) => format!("/{}", named.split(',').next().unwrap_or_default()),
        None => MAIN_NAMESPACE.to_string(),
    };
    match kind {
        Some('0') => Incoming::Connect { namespace },
        Some('1') if namespace == MAIN_NAMESPACE => Incoming::Disconnect,
        Some('1' | '2' | '3' | '5' | '6') => Incoming::Ignored,
        _ => Incoming::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_packet_carries_the_heartbeat_in_milliseconds_and_no_upgrades() {
        let packet = open(&Handshake {
            sid: "abc".into(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_payload: 1_000_000,
        });
        assert!(packet.starts_with('0'));
        let data: Value = serde_json::from_str(&packet[1..]).unwrap();
        assert_eq!(
            data,
            json!({"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})
        );
    }

    #[test]
    fn a_namespace_connect_is_answered_with_the_socket_id() {
        assert_eq!(connected("s1"), r#"40{"sid":"s1"}"#);
        assert_eq!(
            connect_error("/admin", "Invalid namespace"),
            r#"44/admin,{"message":"Invalid namespace"}"#
        );
        assert_eq!(connect_error("/", "no"), r#"44{"message":"no"}"#);
    }

    #[test]
    fn events_are_a_json_array_of_name_then_arguments() {
        assert_eq!(
            event("on_asset_trash", &[json!(["a", "b"])]),
            r#"42["on_asset_trash",["a","b"]]"#
        );
        assert_eq!(event("on_config_update", &[]), r#"42["on_config_update"]"#);
        assert_eq!(
            event("on_asset_delete", &[json!("x\"y")]),
            r#"42["on_asset_delete","x\"y"]"#
        );
    }

    #[test]
    fn client_packets_are_recognised() {
        assert_eq!(parse("3"), Incoming::Pong);
        assert_eq!(parse("2"), Incoming::Ping);
        assert_eq!(parse("1"), Incoming::Close);
        assert_eq!(
            parse("40"),
            Incoming::Connect {
                namespace: "/".into()
            }
        );
        // socket.io clients may send an auth object with the connect.
        assert_eq!(
            parse(r#"40{"token":"t"}"#),
            Incoming::Connect {
                namespace: "/".into()
            }
        );
        assert_eq!(
            parse(r#"40/admin,{"token":"t"}"#),
            Incoming::Connect {
                namespace: "/admin".into()
            }
        );
        assert_eq!(parse("41"), Incoming::Disconnect);
        assert_eq!(parse("41/admin,"), Incoming::Ignored);
        assert_eq!(parse(r#"42["hello",1]"#), Incoming::Ignored);
        assert_eq!(parse("6"), Incoming::Ignored);
        assert_eq!(parse(""), Incoming::Malformed);
        assert_eq!(parse("x"), Incoming::Malformed);
        assert_eq!(parse("4"), Incoming::Malformed);
    }
}
