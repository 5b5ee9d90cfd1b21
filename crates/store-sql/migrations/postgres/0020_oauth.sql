-- The subject ("sub") of the user's account at the OpenID Connect provider; '' when not linked.
ALTER TABLE users ADD COLUMN oauth_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_oauth_id ON users (oauth_id) WHERE oauth_id <> '';
