"""Real-name authentication (实名认证): organisations, practitioners, certificates, faces, employment."""
