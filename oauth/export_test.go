package oauth

// ClientSecret exposes clientSecret to the tests.
func ClientSecret(c *Config) (string, error) { return c.clientSecret() }
