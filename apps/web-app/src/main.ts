import { createApp } from 'vue';
import App from './App.vue';
import { createArticlesApi } from './api/articles-api.ts';
import { createHttpClient } from './api/http-client.ts';
import { startSession } from './auth/keycloak-session.ts';
import { loadRuntimeConfig } from './config/runtime-config.ts';
import { showStartupFailure } from './startup-failure.ts';
import './styles.css';

try {
  const config = await loadRuntimeConfig();
  const session = await startSession(config);
  const http = createHttpClient({ baseURL: config.apiBaseUrl, tokens: session });
  createApp(App, { session, articles: createArticlesApi(http) }).mount('#app');
} catch (error) {
  showStartupFailure(error);
}
