// Generated from openapi.json by `npm run gen:api` (openapi-typescript). Do not edit.

export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service's name and links to its routes */
        get: operations["getIndex"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One page of Hanko's users with their roles and todo counts */
        get: operations["listAdminUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Replace a user's roles
         * @description Removing a role ends the user's sessions at Hanko, so tokens that still name it stop working.
         */
        put: operations["setUserRoles"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The session's user, as the token says */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/protected": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A message and the user id; needs a session */
        get: operations["getProtected"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/public": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A public message; no session needed */
        get: operations["getPublic"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/todos": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One page of the caller's todos, newest first */
        get: operations["listTodos"];
        put?: never;
        /** Store a new todo for the caller */
        post: operations["createTodo"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/todos/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The todo's id. Another user's todo, or an id that is not a UUID, is 404. */
                id: components["parameters"]["TodoID"];
            };
            cookie?: never;
        };
        /** One of the caller's todos */
        get: operations["getTodo"];
        put?: never;
        post?: never;
        /** Delete one of the caller's todos */
        delete: operations["deleteTodo"];
        options?: never;
        head?: never;
        /** Change the title and/or done flag of one of the caller's todos */
        patch: operations["updateTodo"];
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness; 200 while the process serves HTTP */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document, as JSON
         * @description Built once at start-up with the features compiled in. Cache it and send `If-None-Match` with its ETag; an unchanged document is a 304.
         */
        get: operations["getOpenAPI"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness; 200 when Hanko's keys are loaded and the database answers */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/hanko": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive one of Hanko's webhook deliveries
         * @description No session: the signed token in the body is the proof. Hanko sends each delivery once and
         *     never retries; `hanko-gin purge-deleted-users` catches deletions that never arrived.
         */
        post: operations["receiveHankoWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AdminUser: {
            /** Format: date-time */
            created_at: string;
            /** @description The primary address, or null for a user without one. */
            email: string | null;
            id: string;
            roles: string[];
            todo_count: number;
        };
        AdminUsers: {
            has_next: boolean;
            page: number;
            per_page: number;
            total: number;
            users: components["schemas"]["AdminUser"][];
        };
        Email: {
            address: string;
            is_primary?: boolean;
            is_verified?: boolean;
        };
        /**
         * @description The body of every refusal.
         * @example {
         *       "error": "not_found",
         *       "message": "No todo with this id."
         *     }
         */
        Error: {
            error: components["schemas"]["ErrorCode"];
            /** @description A sentence for people, safe to show. */
            message: string;
        };
        /**
         * @description The stable code of a refusal. The features add their own codes to this list.
         *
         *     - `bad_request` (400): malformed JSON, fields or query parameters; nothing was changed
         *     - `unauthorized` (401): no session token
         *     - `invalid_token` (401): the token is bad, expired, for another audience, or its session ended
         *     - `forbidden` (403): a foreign origin, a cross-site write, or a session without the right
         *     - `not_found` (404): no such route, or no such resource for this user
         *     - `method_not_allowed` (405): the path exists, the method does not
         *     - `todo_limit_reached` (409): the per-user cap on todos is reached
         *     - `internal_error` (500): something failed on the server's side
         *     - `not_ready` (503): `/readyz` only: a dependency does not answer
         *     - `auth_unavailable` (503): the token cannot be judged right now; retry
         * @enum {string}
         */
        ErrorCode: "bad_request" | "unauthorized" | "invalid_token" | "forbidden" | "not_found" | "method_not_allowed" | "todo_limit_reached" | "internal_error" | "not_ready" | "auth_unavailable" | "payload_too_large" | "admin_unavailable" | "cannot_remove_own_admin";
        Index: {
            /**
             * @example {
             *       "health": "/healthz",
             *       "me": "/api/me",
             *       "protected": "/api/protected",
             *       "public": "/api/public",
             *       "ready": "/readyz",
             *       "todos": "/api/todos"
             *     }
             */
            links: {
                [key: string]: string;
            };
            /** @constant */
            service: "hanko-gin";
        };
        /**
         * @description What the session token says about the user.
         * @example {
         *       "audience": [
         *         "localhost"
         *       ],
         *       "email": {
         *         "address": "ada@example.com",
         *         "is_primary": true,
         *         "is_verified": true
         *       },
         *       "expires_at": "2026-11-22T18:20:31Z",
         *       "issued_at": "2026-11-22T06:20:31Z",
         *       "roles": [],
         *       "session_id": "2c7b0b3e-1f52-4d8d-9a53-0d0c7f9d6d3e",
         *       "user_id": "9f1e3c52-8f5e-4e5a-a2cd-6b5f0c1e7a10"
         *     }
         */
        Me: {
            amr?: string[];
            audience: string[];
            /** @description Any other claims of the token (Hanko's session.jwt_template). */
            custom_claims?: Record<string, never>;
            /** @description The primary email, or null when the token has none. */
            email: components["schemas"]["Email"] | null;
            /** Format: date-time */
            expires_at: string;
            /** Format: date-time */
            issued_at: string;
            issuer?: string;
            /** @description From the token's `roles` claim; empty when it has none. */
            roles: string[];
            session_id: string;
            /** @description Hanko's user id (a UUID). */
            user_id: string;
            username?: string;
        };
        Message: {
            message: string;
            /** @description The signed-in user's Hanko id (protected routes only). */
            user_id?: string;
        };
        /**
         * @example {
         *       "title": "Buy milk"
         *     }
         */
        NewTodo: {
            /** @description 1–200 characters after trimming (surrounding white space is dropped), no control characters. */
            title: string;
        };
        /** @description The body of a 503 from /readyz. */
        NotReady: {
            checks: components["schemas"]["ReadyChecks"];
            /** @constant */
            error: "not_ready";
            message: string;
        };
        ReadyChecks: {
            /** @enum {string} */
            database: "ok" | "unavailable";
            /** @enum {string} */
            hanko: "ok" | "unavailable";
        };
        /**
         * @example {
         *       "roles": [
         *         "admin"
         *       ]
         *     }
         */
        RolesChange: {
            /** @description The user's roles from now on (replaces them all). */
            roles: string[];
        };
        RolesChanged: {
            id: string;
            /** @description Roles taken away; the user's sessions were ended at Hanko so old tokens lose them. */
            removed: string[];
            roles: string[];
            sessions_ended: number;
        };
        /**
         * @example {
         *       "created_at": "2026-11-22T06:20:31.123456Z",
         *       "done": false,
         *       "id": "5b1e6a8e-3c44-4c1f-9a57-2a0f4f0d9c11",
         *       "title": "Buy milk",
         *       "updated_at": "2026-11-22T06:20:31.123456Z"
         *     }
         */
        Todo: {
            /** Format: date-time */
            created_at: string;
            done: boolean;
            /** Format: uuid */
            id: string;
            title: string;
            /** Format: date-time */
            updated_at: string;
        };
        TodoList: {
            /** @description Where the next page starts; absent on the last page. */
            next_cursor?: string;
            todos: components["schemas"]["Todo"][];
        };
        /**
         * @example {
         *       "done": true
         *     }
         */
        TodoPatch: {
            done?: boolean;
            /** @description 1–200 characters after trimming (surrounding white space is dropped), no control characters. */
            title?: string;
        };
        /**
         * @example {
         *       "deleted": 3,
         *       "event": "user.delete",
         *       "outcome": "deleted"
         *     }
         */
        WebhookAnswer: {
            /** @description user.delete only: how many rows were deleted. */
            deleted?: number;
            event: string;
            /**
             * @description `deleted` (user.delete: the user's data went and the user is revoked), `revoked` (session.delete.*: that session is refused from now on) or `ignored` (any other event).
             * @enum {string}
             */
            outcome: "deleted" | "revoked" | "ignored";
        };
        /**
         * @description What Hanko posts for a subscribed event.
         * @example {
         *       "event": "user.delete",
         *       "token": "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9..."
         *     }
         */
        WebhookDelivery: {
            /** @description The event, e.g. `user.delete` or `session.delete.logout`; it must equal the token's `evt`. */
            event: string;
            /** @description An RS256 JWT signed with the session tokens' key; `sub` is "hanko webhooks", `evt` the event, `data` the user or session. */
            token: string;
        };
    };
    responses: {
        /** @description `forbidden`: the session has no `admin` role (or Hanko no longer lists it), or a foreign origin. */
        AdminForbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "forbidden",
                 *       "message": "This needs the admin role."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `admin_unavailable`: Hanko's admin API is not configured or cannot be reached; or `auth_unavailable`: the session cannot be confirmed with Hanko right now. Retry. */
        AdminUnavailable: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "admin_unavailable",
                 *       "message": "Hanko's admin API cannot be reached right now, so users and roles cannot be read or changed; try again shortly."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `bad_request`: the request is malformed (the message says how); nothing was changed. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "bad_request",
                 *       "message": "The request body is not valid JSON."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `forbidden`: the request's Origin is not in CORS_ALLOWED_ORIGINS, or a browser sent a write from another site (the CSRF defence); no handler ran. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "forbidden",
                 *       "message": "Cross-origin request refused: its origin is not in CORS_ALLOWED_ORIGINS."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `internal_error`: something failed on the server's side (the server log says what). */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "internal_error",
                 *       "message": "Something went wrong on our side."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A message (and, on protected routes, the user id). */
        Message: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Message"];
            };
        };
        /** @description `method_not_allowed`: the path exists, this method does not. */
        MethodNotAllowed: {
            headers: {
                Allow: components["headers"]["Allow"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "method_not_allowed",
                 *       "message": "This method is not allowed on this route."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `not_found`: no such route, or no such resource for this user. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "not_found",
                 *       "message": "No such route."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `todo_limit_reached`: the caller has TODOS_MAX_PER_USER todos; deleting one resolves it. Nothing was stored. */
        TodoLimitReached: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "todo_limit_reached",
                 *       "message": "You have reached the limit of 1000 todos. Delete one to add another."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `unauthorized` (no token) or `invalid_token` (bad, expired, wrong audience, or its session ended): sign in again. */
        Unauthorized: {
            headers: {
                "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "unauthorized",
                 *       "message": "A session token is required."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description `auth_unavailable`: the session token cannot be judged right now (Hanko's keys or Hanko unreachable, or no capacity to check a signature in time; then with `Retry-After`). Retry; this is not a sign-out. */
        Unavailable: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "auth_unavailable",
                 *       "message": "Sessions cannot be checked right now; try again shortly."
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description The todo's id. Another user's todo, or an id that is not a UUID, is 404. */
        TodoID: string;
    };
    requestBodies: never;
    headers: {
        /** @description The methods this path serves. */
        Allow: string;
        /** @description The document's version; send it back as If-None-Match. */
        ETag: string;
        /** @description The created resource. */
        Location: string;
        /** @description Seconds to wait before retrying; sent when the server is briefly short of capacity. */
        "Retry-After": string;
        /** @description The RFC 6750 challenge; with `error="invalid_token"` when a token was sent. */
        "WWW-Authenticate": string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getIndex: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service and its links. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Index"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    listAdminUsers: {
        parameters: {
            query?: {
                page?: number;
                per_page?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of users. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUsers"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminForbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["AdminUnavailable"];
        };
    };
    setUserRoles: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The Hanko user's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RolesChange"];
            };
        };
        responses: {
            /** @description The roles were changed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RolesChanged"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["AdminForbidden"];
            404: components["responses"]["NotFound"];
            /** @description `cannot_remove_own_admin`: an admin cannot take their own admin role away. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["AdminUnavailable"];
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session's user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getProtected: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session is valid. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "message": "You have a valid Hanko session.",
                     *       "user_id": "9f1e3c52-8f5e-4e5a-a2cd-6b5f0c1e7a10"
                     *     }
                     */
                    "application/json": components["schemas"]["Message"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getPublic: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The public message. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "message": "This is public: no session needed."
                     *     }
                     */
                    "application/json": components["schemas"]["Message"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    listTodos: {
        parameters: {
            query?: {
                /** @description How many todos, 1–200. Given at most once. */
                limit?: number;
                /** @description The `next_cursor` of the page before; leave it out for the first page. Given at most once. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; `next_cursor` unless it is the last. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TodoList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    createTodo: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description At most 16 KiB, `application/json`, exactly this object. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewTodo"];
            };
        };
        responses: {
            /** @description The new todo. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["TodoLimitReached"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getTodo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The todo's id. Another user's todo, or an id that is not a UUID, is 404. */
                id: components["parameters"]["TodoID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The todo. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteTodo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The todo's id. Another user's todo, or an id that is not a UUID, is 404. */
                id: components["parameters"]["TodoID"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    updateTodo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The todo's id. Another user's todo, or an id that is not a UUID, is 404. */
                id: components["parameters"]["TodoID"];
            };
            cookie?: never;
        };
        /** @description At most 16 KiB, `application/json`, at least one member. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["TodoPatch"];
            };
        };
        responses: {
            /** @description The updated todo. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process serves. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getOpenAPI: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of a copy the client has. */
                "If-None-Match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description The client's copy is current. */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "checks": {
                     *         "database": "ok",
                     *         "hanko": "ok"
                     *       },
                     *       "status": "ready"
                     *     }
                     */
                    "application/json": {
                        checks: components["schemas"]["ReadyChecks"];
                        /** @constant */
                        status: "ready";
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["InternalError"];
            /** @description `not_ready`: a dependency does not answer (plain words; the server log says why); or `auth_unavailable` for a request with credentials while the server starts. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "checks": {
                     *         "database": "unavailable",
                     *         "hanko": "ok"
                     *       },
                     *       "error": "not_ready",
                     *       "message": "Not ready: the database does not answer. The server log says why."
                     *     }
                     */
                    "application/json": components["schemas"]["NotReady"] | components["schemas"]["Error"];
                };
            };
        };
    };
    receiveHankoWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description At most 64 KiB of `application/json`. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookDelivery"];
            };
        };
        responses: {
            /** @description The delivery was verified and handled (durably, before this answer). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookAnswer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `payload_too_large`: the body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": "payload_too_large",
                     *       "message": "The webhook body is larger than 64 KiB."
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["Unavailable"];
        };
    };
}
