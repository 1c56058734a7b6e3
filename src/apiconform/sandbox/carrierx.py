"""Placeholder until the carrierx router lands."""

from fastapi import FastAPI

from apiconform.sandbox.provisioning import Credential
from apiconform.sandbox.state import Environment, SandboxState


def mount(app: FastAPI, state: SandboxState, env: Environment) -> tuple[list[str], dict[str, Credential]]:
    return [], {}
