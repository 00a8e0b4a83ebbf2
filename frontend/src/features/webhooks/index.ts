import type { Feature } from "../feature";
import { AccountDeletedRedirect } from "./AccountDeletedRedirect";

/**
 * Hanko's webhooks, as the app sees them: after "Delete account" in `<hanko-profile>`, the backend
 * has deleted the user's todos (Hanko's `user.delete` webhook), and the app says so on the login
 * page (docs/webhooks.md).
 */
export const webhooks: Feature = {
  name: "webhooks",
  listeners: [AccountDeletedRedirect],
};
