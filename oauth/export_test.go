package oauth

// ClientSecret exposes clientSecret to the tests.
func ClientSecret(c *Config) (string, error) { return c.clientSecret() }

// FixFor exposes fixFor to the tests.
func FixFor(code, desc string) string { return fixFor(code, desc) }
