// placeholder so the project type-checks until its code lands; replaced by the project's entry point
