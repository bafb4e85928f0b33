import jwt

PUBLIC_KEY = open("/etc/app/jwt.pub").read()


def current_user(token):
    # ruleid: mergegate.python.jwt-verification-disabled
    claims = jwt.decode(token, options={"verify_signature": False})
    # ruleid: mergegate.python.jwt-verification-disabled
    legacy = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "none"])
    # ok: mergegate.python.jwt-verification-disabled
    verified = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")
    # ok: mergegate.python.jwt-verification-disabled
    header = jwt.get_unverified_header(token)
    return claims, legacy, verified, header


def issue(claims, key):
    # ruleid: mergegate.python.jwt-verification-disabled
    unsigned = jwt.encode(claims, None, algorithm="none")
    # ok: mergegate.python.jwt-verification-disabled
    signed = jwt.encode(claims, key, algorithm="RS256")
    return unsigned, signed
