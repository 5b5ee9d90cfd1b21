// Who is signed in, and whether the server has its first (admin) user yet.
import {
  getMyUser,
  getServerConfig,
  getServerFeatures,
  login,
  logout,
  type ServerConfigDto,
  type ServerFeaturesDto,
  type UserAdminResponseDto,
} from '@immich/sdk';
import { isUnauthorized } from './api';

class Session {
  user = $state<UserAdminResponseDto | null>(null);
  initialized = $state(true);
  ready = $state(false);
  config = $state<ServerConfigDto | null>(null);
  features = $state<ServerFeaturesDto | null>(null);

  /** The public server config and features, which the map and search pages read. */
  async loadPublic() {
    const [config, features] = await Promise.all([getServerConfig(), getServerFeatures()]);
    this.config = config;
    this.features = features;
    return config;
  }

  async load() {
    const config = await this.loadPublic();
    this.initialized = config.isInitialized;
    try {
      this.user = config.isInitialized ? await getMyUser() : null;
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      this.user = null;
    }
    this.ready = true;
  }

  /** Logs in (the server sets the session cookie) and loads the user. */
  async signIn(email: string, password: string) {
    await login({ loginCredentialDto: { email, password } });
    await this.load();
  }

  /** Ends the session; returns where to go next (the OAuth provider's logout page, if any). */
  async signOut(): Promise<string> {
    try {
      return (await logout()).redirectUri;
    } finally {
      this.user = null;
    }
  }
}

export const session = new Session();
