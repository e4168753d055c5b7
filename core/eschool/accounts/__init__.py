"""The school administrator's account tools: find an account, set a one-time password, block, unblock,
end sessions, take an account out of the school, see who never logged in."""
