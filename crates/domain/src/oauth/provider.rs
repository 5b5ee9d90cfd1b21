//! The OpenID Connect side of a login: discovery, the authorization URL, and
//! turning the provider's redirect into verified claims. Everything about
//! tokens and signatures is `openidconnect`'s; HTTP goes through our reqwest.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthType, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse, http, url,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::system_config::{OAuthConfig, OAuthTokenEndpointAuthMethod};
use crate::{DomainError, DomainResult};

/// Every claim of a profile, so configured claims (role, quota, storage label) can be read.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Claims {
    #[serde(flatten)]
    pub map: Map<String, Value>,
}

impl AdditionalClaims for Claims {}

impl Claims {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// `openidconnect`'s HTTP client: the provider's redirects are not followed (no SSRF through
/// a hostile discovery document) and every call has the configured timeout.
struct Http(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = reqwest::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, reqwest::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let response = self.0.execute(request).await?;
            let mut out = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                out = out.header(name, value);
            }
            let body = response.bytes().await?.to_vec();
            Ok(out
                .body(body)
                .expect("status and headers came from a response"))
        })
    }
}

/// `CoreClient` with its endpoints as discovery leaves them.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A provider found by discovery, ready for one login.
pub struct Provider {
    client: DiscoveredClient,
    http: Http,
    config: OAuthConfig,
    end_session_endpoint: Option<String>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> DomainError {
    DomainError::BadRequest(format!("OAuth login failed: {what}: {e}"))
}

/// The nonce travels in the ID token; deriving it from the state binds the token to this
/// login without keeping anything on the server.
fn nonce_for(state: &str) -> Nonce {
    Nonce::new(hex::encode(Sha256::digest(format!(
        "shoebox-nonce:{state}"
    ))))
}

impl Provider {
    pub async fn discover(config: &OAuthConfig) -> DomainResult<Provider> {
        let discovery = |e: &dyn std::fmt::Display| {
            DomainError::Upstream(format!("Error in OAuth discovery: {e}"))
        };
        if config.issuer_url.starts_with("http://") && !config.allow_insecure_requests {
            return Err(discovery(
                &"the issuer URL is not https (allow insecure requests to use it)",
            ));
        }
        let http = Http(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_millis(config.timeout.max(1)))
                .build()
                .map_err(|e| discovery(&e))?,
        );
        let issuer = IssuerUrl::new(config.issuer_url.clone()).map_err(|e| discovery(&e))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|e| discovery(&error_chain(&e)))?;
        let secret = Some(config.client_secret.clone())
            .filter(|s| !s.is_empty())
            .map(ClientSecret::new);
        let auth_type = match config.token_endpoint_auth_method {
            OAuthTokenEndpointAuthMethod::ClientSecretBasic => AuthType::BasicAuth,
            _ => AuthType::RequestBody,
        };
        let end_session_endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|url| url.to_string());
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(config.client_id.clone()),
            secret,
        )
        .set_auth_type(auth_type);
        Ok(Provider {
            client,
            http,
            config: config.clone(),
            end_session_endpoint,
        })
    }

    /// Where to send the person: the provider's login page for this redirect URI, with PKCE
    /// (the client's own challenge when it brings one).
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        code_challenge: &str,
    ) -> DomainResult<String> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| DomainError::BadRequest(format!("redirectUri is invalid: {e}")))?;
        let state = state.to_string();
        let nonce = nonce_for(&state);
        let client = self.client.clone().set_redirect_uri(redirect);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state.clone()),
                move || nonce.clone(),
            )
            .add_extra_param("code_challenge", code_challenge)
            .add_extra_param("code_challenge_method", "S256");
        for scope in self
            .config
            .scope
            .split_whitespace()
            .filter(|s| *s != "openid")
        {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        if !self.config.prompt.is_empty() {
            request = request.add_extra_param("prompt", self.config.prompt.clone());
        }
        Ok(request.url().0.to_string())
    }

    pub fn end_session_endpoint(&self) -> Option<&str> {
        self.end_session_endpoint.as_deref()
    }

    /// The claims of the person the provider sent back to `callback_url`, after checking the
    /// state, exchanging the code (with the PKCE verifier) and verifying the ID token.
    pub async fn profile(
        &self,
        callback_url: &str,
        expected_state: &str,
        code_verifier: &str,
    ) -> DomainResult<Claims> {
        let url = url::Url::parse(callback_url)
            .map_err(|e| DomainError::BadRequest(format!("url is invalid: {e}")))?;
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        if let Some(error) = param("error") {
            let detail = param("error_description").unwrap_or_default();
            return Err(failed("the provider refused", format!("{error} {detail}")));
        }
        if param("state").as_deref() != Some(expected_state) {
            return Err(failed(
                "state",
                "does not match the one this login started with",
            ));
        }
        let code = param("code").ok_or_else(|| failed("code", "missing from the url"))?;
        let mut redirect = url.clone();
        redirect.set_query(None);
        redirect.set_fragment(None);
        let client = self
            .client
            .clone()
            .set_redirect_uri(RedirectUrl::from_url(redirect));
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| failed("token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(code_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| failed("token exchange", error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| failed("token exchange", "no ID token (is `openid` in the scope?)"))?;
        let algorithm: CoreJwsSigningAlgorithm =
            serde_json::from_value(Value::String(self.config.signing_algorithm.clone()))
                .map_err(|e| failed("signingAlgorithm", e))?;
        let verifier = client.id_token_verifier().set_allowed_algs([algorithm]);
        let verified = id_token
            .claims(&verifier, &nonce_for(expected_state))
            .map_err(|e| failed("ID token", e))?;
        let subject = verified.subject().clone();
        // Verified above; read again as plain JSON for the claims the config names.
        let mut claims = jwt_payload(&id_token.to_string())?;
        if !claims.map.contains_key("email") {
            let info: openidconnect::UserInfoClaims<Claims, CoreGenderClaim> = client
                .user_info(tokens.access_token().clone(), Some(subject))
                .map_err(|e| failed("userinfo", e))?
                .require_signed_response(self.config.profile_signing_algorithm != "none")
                .request_async(&self.http)
                .await
                .map_err(|e| failed("userinfo", error_chain(&e)))?;
            // The crate parses the standard claims apart from the rest.
            let text = |v: Option<String>| v.map(Value::String);
            let standard = [
                ("sub", Some(Value::String(info.subject().to_string()))),
                ("email", text(info.email().map(|e| e.to_string()))),
                ("email_verified", info.email_verified().map(Value::Bool)),
                (
                    "name",
                    text(info.name().and_then(|n| n.get(None)).map(|n| n.to_string())),
                ),
                (
                    "given_name",
                    text(
                        info.given_name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.to_string()),
                    ),
                ),
                (
                    "family_name",
                    text(
                        info.family_name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.to_string()),
                    ),
                ),
                (
                    "preferred_username",
                    text(info.preferred_username().map(|n| n.to_string())),
                ),
                (
                    "picture",
                    text(
                        info.picture()
                            .and_then(|p| p.get(None))
                            .map(|p| p.to_string()),
                    ),
                ),
            ];
            for (key, value) in standard
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_string(), v?)))
                .chain(info.additional_claims().map.clone())
            {
                claims.map.entry(key).or_insert(value);
            }
        }
        Ok(claims)
    }
}

fn jwt_payload(jwt: &str) -> DomainResult<Claims> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| failed("ID token", "not a JWT"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| failed("ID token", e))?;
    serde_json::from_slice(&bytes).map_err(|e| failed("ID token", e))
}

/// The error and its causes on one line: reqwest's top-level message alone rarely says why.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

pub fn new_code_verifier() -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    (challenge.as_str().to_string(), verifier.secret().clone())
}
