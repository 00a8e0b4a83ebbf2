package auth

// ForgetUser drops what this Authenticator has cached about the user's
// tokens: their verified signatures and Hanko's session-check answers. Call
// it after ending the user's sessions at Hanko from this process (for example
// when a role was taken away): the next check that confirms with Hanko
// (Require, and every request with Config.SessionCheck) asks Hanko afresh
// instead of reusing a "valid" answer for up to Config.SessionCheckTTL, so the
// ended sessions are refused at once on this replica. Other replicas keep
// their cached answers until the TTL runs out.
//
// It walks the caches, one shard lock at a time: for rare events, not for
// every request. It returns how many cache entries it dropped.
func (a *Authenticator) ForgetUser(userID string) int {
	if userID == "" {
		return 0
	}
	n := a.sessions.forgetUser(userID)
	n += a.verified.deleteIf(func(v verifiedToken) bool { return v.claims.UserID == userID })
	if n > 0 {
		a.log.Info("forgot the cached sessions of a user; their next privileged request is confirmed with Hanko",
			"user_id", userID, "forgotten_entries", n)
	}
	return n
}
