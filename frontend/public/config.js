// Settings read when the page loads, before the app starts. The container image replaces this
// file with the container's environment (nginx/default.conf.template), so one build serves
// every environment. Empty here: `npm run dev` and plain builds use the VITE_* settings of .env.
window.__HANKO_GIN_CONFIG__ = {};
