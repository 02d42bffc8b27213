"""Web front ends served by Flask: the supervisors' admin SPA (built from admin/) and the public web pages."""
