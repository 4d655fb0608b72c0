// For tools that read TypeScript without Vue support, such as type-aware ESLint. vue-tsc and Vite
// resolve `.vue` imports to the real components and never use this declaration.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
